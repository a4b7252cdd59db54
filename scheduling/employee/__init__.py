"""An employee's own schedule: my shifts and the calendar feed."""

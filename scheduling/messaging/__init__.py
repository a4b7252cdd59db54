"""Messages, notifications (the one notify path) and reminders."""

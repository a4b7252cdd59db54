"""The scheduling panels of the home page: what a manager and an employee need today."""

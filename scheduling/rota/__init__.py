"""The rota: the week grid, the shift dialog, copy, clear and publish, the cache, payroll."""

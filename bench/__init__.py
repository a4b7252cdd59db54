"""`make bench`: seed a large PostgreSQL database and measure the rota page (docs/benchmarks.md).

Not an app: nothing here is installed or imported by the product. Run with `python -m bench`."""

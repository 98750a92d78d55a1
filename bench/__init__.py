"""Performance harness: a generator of realistic messy contact files and a runner that times
`contactflow import` (and `export`, once it exists) next to raw PostgreSQL COPY. See README.md."""

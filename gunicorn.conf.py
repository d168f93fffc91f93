"""gunicorn settings every server of this repository shares (`make run`, the Docker image, the
benchmarks and the live contract test start gunicorn from this directory, which loads this file;
command-line flags such as --workers still win).

The request line may be up to 8190 bytes (gunicorn's largest fixed limit; the default is 4094):
a list URL with several long filters stays well inside it, and anything longer answers 414, as
docs/api.md and the schema state.
"""

workers = 2
threads = 4
limit_request_line = 8190

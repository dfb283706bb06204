"""Production: serve the champion behind its feature contract, log every prediction, and (see
lockgate.monitor) check windows of the log. Imports FastAPI and uvicorn: import it only from the
`serve` command, never from `import lockgate` or `lockgate --help`."""

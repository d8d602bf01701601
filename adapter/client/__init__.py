"""The spec-driven client: spec -> validation -> serialize -> transport -> parse, run by the Dispatcher."""

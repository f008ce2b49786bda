"""`yamlpipe serve`."""

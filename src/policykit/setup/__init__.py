"""Setting up a city: a new repository from the defaults shipped in the package (`policykit init`), CI files to copy."""

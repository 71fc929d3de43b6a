"""Finding the right department for plain words: one index and one scoring for the library, the CLI and the site."""

pytest_plugins = ["goodwill.testing.fixtures"]

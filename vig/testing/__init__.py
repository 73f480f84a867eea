"""Test support that is not a test: pytest plugins shared by every app's tests."""

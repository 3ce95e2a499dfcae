"""The windows. The only package that imports PySide6; reaches data through services."""

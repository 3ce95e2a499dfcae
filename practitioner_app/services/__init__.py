"""Use cases. Each takes a unit-of-work factory and returns domain objects or read rows;
none reads settings files or imports Qt.
"""

"""practitioner-app: treatment records for microneedling clinics."""

__version__ = "0.1.0"

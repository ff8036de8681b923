"""archivist: news articles into long-term archival PDF/A, with Dublin Core and fixity."""

__version__ = "0.1.0"

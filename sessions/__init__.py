"""interview-server's domain: sessions, documents, operations, protocol. No I/O outside ``web``."""

"""The public site: pages, the JSON API, and the QR verification pages."""

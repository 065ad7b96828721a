"""Sharing: tracked share links, collections, social previews, QR codes and printable sheets."""

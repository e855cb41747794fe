"""Pictures drawn in pure Python: a small PNG encoder, a bitmap font, the recap picture."""

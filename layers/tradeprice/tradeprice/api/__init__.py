"""The HTTP boundary: request/response models, JSON handling and the one error → HTTP mapping."""

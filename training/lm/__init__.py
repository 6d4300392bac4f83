"""Codec language model: grouped AR transformer, NAR transformer, drafter, training and ONNX export."""

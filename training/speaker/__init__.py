"""Parla's speaker encoder: log-mel x-vector network trained with AAM-softmax, exported to ONNX for speaker similarity."""

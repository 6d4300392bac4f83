"""Training corpus: real and synthetic speech, phonemized by the runtime front end, split by speaker (`python -m training.data build`)."""

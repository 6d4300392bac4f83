"""Neural RVQ speech codec: SEANet-style encoder, residual VQ, Vocos-style iSTFT decoder."""

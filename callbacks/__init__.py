"""Keras callbacks for any GAN exposing `generator`, `latent_dim` and `generate()`."""

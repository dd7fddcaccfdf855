"""Mutation fields, one mixin per domain; ``schema.root.Mutation`` combines them."""

"""Imports every module that defines tables, so SQLModel.metadata holds the whole schema."""

"""The Teams bot: the only package that imports botbuilder."""

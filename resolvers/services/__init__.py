"""Business rules. Services take a unit of work, validate, change rows and record events; they
never commit and never import strawberry."""

"""The only code that speaks HTTP to CxEngage (or the sandbox)."""

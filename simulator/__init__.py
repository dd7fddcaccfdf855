"""The Bharat Connect network simulator: the network and the world around it (GSTN portal,
B2B ID directory, counterparties, payment rails, financiers).

It knows nothing of GraphQL or of the service's tables: the backend reaches it only through a
``Network`` port, and it answers by delivering network messages to an inbound handler.
"""

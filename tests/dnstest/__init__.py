"""Helpers shared by the whole test suite: a scripted fake DNS server, real
peer servers (nsd, knot) started on loopback, and checks for system tools."""

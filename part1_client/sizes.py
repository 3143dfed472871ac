"""The sizes every part of the project agrees on, in bytes."""

# RFC 1035 s4.1.1: ID, flags and four counts, two bytes each.
HEADER_SIZE = 12
# RFC 1035 s4.2.1: without EDNS a UDP message is at most 512 bytes, and
# RFC 6891 s6.2.5: an EDNS payload below 512 is treated as 512.
MIN_UDP_PAYLOAD = 512
# The EDNS payload we advertise, as a client and as a server: DNS Flag Day
# 2020's 1232 bytes fit in one IPv6 packet on nearly every path, so large
# answers move to TCP rather than to IP fragments (which get lost or forged).
EDNS_PAYLOAD = 1232
# RFC 1035 s4.2.2: the TCP length prefix is two bytes, so no message is larger.
MAX_MESSAGE = 65535
# The most one UDP datagram carries over IPv4: 65535 less the IP and UDP headers.
MAX_UDP_DATAGRAM = 65507

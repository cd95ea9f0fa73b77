/* peer.c: client addresses of the front end. */
#include "server/net/peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

void peer_format(const struct sockaddr *sa, char *out, size_t out_len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		if (inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, out_len, "%s:%d", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip) == NULL)
			snprintf(ip, sizeof ip, "?");
		snprintf(out, out_len, "[%s]:%d", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(out, out_len, "?");
	}
}

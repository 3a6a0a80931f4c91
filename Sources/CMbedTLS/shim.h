/* mbedTLS headers Sprig uses (libmbedtls-dev; 2.28 on Debian 12, 3.x on OpenWrt). */
#include <mbedtls/version.h>
#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>
#include <mbedtls/ssl.h>

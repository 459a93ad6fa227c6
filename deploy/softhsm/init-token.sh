#!/bin/sh
# Initialises the SoftHSM2 token of Joinery's keys service once; safe to run before every start.
#
#   JOINERY_PKCS11_TOKEN_LABEL   token label (default: joinery)
#   JOINERY_PKCS11_PIN[_FILE]    user PIN the keys service logs in with (required)
#   JOINERY_PKCS11_SO_PIN[_FILE] security officer PIN (required the first time)
#   SOFTHSM2_CONF                SoftHSM2 configuration (where the token files live)
#
# Prints the slot id of the token on the last line ("slot <id>").
set -eu

read_secret() { # name -> value of $name, or the contents of the file named by ${name}_FILE
  eval "file=\${${1}_FILE:-}"
  if [ -n "$file" ]; then cat "$file"; else eval "printf '%s' \"\${${1}:-}\""; fi
}

label="${JOINERY_PKCS11_TOKEN_LABEL:-joinery}"
util="$(command -v softhsm2-util || true)"
[ -n "$util" ] || { echo "softhsm2-util not found: sudo apt-get install -y softhsm2" >&2; exit 1; }

slot_of() { # label -> slot id, from --show-slots
  "$util" --show-slots 2>/dev/null | awk -v want="$1" '
    /^Slot [0-9]+/ { slot = $2 }
    /^[[:space:]]*Label:/ { sub(/^[[:space:]]*Label:[[:space:]]*/, ""); sub(/[[:space:]]+$/, ""); if ($0 == want) { print slot; exit } }'
}

slot="$(slot_of "$label")"
if [ -z "$slot" ]; then
  pin="$(read_secret JOINERY_PKCS11_PIN)"
  so_pin="$(read_secret JOINERY_PKCS11_SO_PIN)"
  [ -n "$pin" ] && [ -n "$so_pin" ] || { echo "set JOINERY_PKCS11_PIN and JOINERY_PKCS11_SO_PIN (or *_FILE) to initialise the token" >&2; exit 1; }
  "$util" --init-token --free --label "$label" --pin "$pin" --so-pin "$so_pin" >/dev/null
  slot="$(slot_of "$label")"
  echo "initialised SoftHSM2 token '$label'" >&2
else
  echo "SoftHSM2 token '$label' already present" >&2
fi
[ -n "$slot" ] || { echo "token '$label' not found after initialisation" >&2; exit 1; }
echo "slot $slot"

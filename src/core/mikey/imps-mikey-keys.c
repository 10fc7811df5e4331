/* imps-mikey-keys: placeholder, being written. */

/* imps-mikey-dump: placeholder, being written. */

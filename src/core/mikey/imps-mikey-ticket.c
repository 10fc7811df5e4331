/* imps-mikey-ticket: placeholder, being written. */

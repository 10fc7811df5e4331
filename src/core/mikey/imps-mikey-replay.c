/* imps-mikey-replay: placeholder, being written. */

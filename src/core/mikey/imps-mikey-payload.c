/* imps-mikey-payload: placeholder, being written. */

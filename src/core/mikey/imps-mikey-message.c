/* imps-mikey-message: placeholder, being written. */

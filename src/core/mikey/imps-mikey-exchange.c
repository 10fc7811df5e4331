/* imps-mikey-exchange: placeholder, being written. */

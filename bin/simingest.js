#!/usr/bin/env node
'use strict';
require('../dist/cli.js')
  .main(process.argv)
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });

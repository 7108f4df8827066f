from fhp_monitor.cli import main

raise SystemExit(main())

from webapi.cli import main

raise SystemExit(main())

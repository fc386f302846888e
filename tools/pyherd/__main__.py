from pyherd.cli import main

raise SystemExit(main())

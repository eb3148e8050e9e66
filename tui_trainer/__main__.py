from tui_trainer.cli import main

raise SystemExit(main())

from looker_braze.cli import main

main()

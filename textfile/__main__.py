from textfile.cli import main

main()

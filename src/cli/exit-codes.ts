/** The exit statuses every command shares (the README's "Commands and exit codes" table). */
export const EXIT_USAGE = 2;
export const EXIT_DATABASE = 4;
export const EXIT_INTERNAL = 70;

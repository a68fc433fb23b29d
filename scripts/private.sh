# Sourced by every entry point (bin/airflow, scripts/*.sh, and every Makefile recipe via BASH_ENV):
# files this project creates are private to their owner. var/airflow holds the Fernet key, the JWT
# secret, the generated admin password and the metadata DB; var/distributed the PostgreSQL password.
# Keep this file quiet and side-effect free apart from the umask: bash sources it for every recipe.
umask 077

# mw_private DIR...: make each existing DIR and everything under it unreadable by group and others
# (files end up 0600, folders 0700), whichever process created them and under whatever umask.
mw_private() {
  local dir
  for dir in "$@"; do
    [ -e "$dir" ] && chmod -R go-rwx -- "$dir" 2>/dev/null
  done
  return 0
}

# The handler for provided-shell's bootstrap: $1 is the event (JSON); what the
# function prints is the response. A non-zero status is reported as an error.
handler() {
  echo "handling request $request_id" >&2
  case "$1" in
    *'"fail"'*) return 7 ;;
  esac
  printf '{"echo":%s,"handler":"%s","shell":"posix sh"}' "$1" "$_HANDLER"
}

// distributed/communicator.cpp — anchors the Communicator vtable in libgaplab_distributed.
#include "distributed/communicator.h"
